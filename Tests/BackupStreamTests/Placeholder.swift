// BackupStreamTests: placeholder until its issue lands.
