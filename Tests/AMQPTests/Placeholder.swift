// AMQPTests: placeholder until its issue lands.
