// Handler for the clients many-clients.js opens; it does nothing.
