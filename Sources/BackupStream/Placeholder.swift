// BackupStream: placeholder until its issue lands.
