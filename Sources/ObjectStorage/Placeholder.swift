// ObjectStorage: placeholder until its issue lands.
