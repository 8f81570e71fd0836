// GuestAgent: placeholder until its issue lands.
