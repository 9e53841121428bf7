"""Staff accounts: who may use the workspace, with which role, and how they log in."""
