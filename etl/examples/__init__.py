"""Example data generators: files shaped like the ones a newcomer holds, with known effects planted."""
