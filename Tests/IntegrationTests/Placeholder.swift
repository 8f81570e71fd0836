// IntegrationTests: placeholder until its issue lands.
