// DB2: placeholder until its issue lands.
