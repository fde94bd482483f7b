"""What the bot knows: fact models, the loader that validates them, and the data itself."""
