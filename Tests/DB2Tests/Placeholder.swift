// DB2Tests: placeholder until its issue lands.
