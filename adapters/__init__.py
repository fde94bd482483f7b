"""Where the bot talks: each adapter turns platform events into core questions and core
answers into platform messages. Adapters import bot/; bot/ never imports them."""
