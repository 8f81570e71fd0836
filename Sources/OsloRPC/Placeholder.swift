// OsloRPC: placeholder until its issue lands.
