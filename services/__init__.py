"""What the API and the console call: intake for every channel, staff actions, case launching."""
