"""Townships (the tenants), their routing and provisioning, and each township's organisation."""
