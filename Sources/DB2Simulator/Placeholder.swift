// DB2Simulator: placeholder until its issue lands.
