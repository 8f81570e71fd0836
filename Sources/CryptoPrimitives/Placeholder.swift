// CryptoPrimitives: placeholder until its issue lands.
