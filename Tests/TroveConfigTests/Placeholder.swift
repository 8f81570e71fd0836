// TroveConfigTests: placeholder until its issue lands.
