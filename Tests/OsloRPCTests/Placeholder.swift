// OsloRPCTests: placeholder until its issue lands.
