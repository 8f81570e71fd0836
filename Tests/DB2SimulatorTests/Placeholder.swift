// DB2SimulatorTests: placeholder until its issue lands.
