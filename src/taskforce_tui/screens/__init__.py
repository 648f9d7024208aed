"""One Screen per place the user goes."""
