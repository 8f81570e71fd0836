// HTTPTransport: placeholder until its issue lands.
