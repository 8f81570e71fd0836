// TroveConfig: placeholder until its issue lands.
