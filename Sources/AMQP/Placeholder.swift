// AMQP: placeholder until its issue lands.
