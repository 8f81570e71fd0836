// Compression: placeholder until its issue lands.
