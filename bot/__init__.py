"""The operator's command line: set up, train, validate, evaluate and run the whole system."""
