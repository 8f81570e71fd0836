// ObjectStorageTests: placeholder until its issue lands.
