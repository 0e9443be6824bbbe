package app.khuphaen.sync.http;

import app.khuphaen.sync.room.LookupMisses;
import app.khuphaen.sync.transport.BufferBudget;
import app.khuphaen.sync.transport.IncomingBudget;

/**
 * The server-wide defences every event loop's {@link HttpVerticle} shares: one of each per server,
 * so that a limit per client address or per server holds whichever event loop a connection lands on.
 */
public record Guards(CreationRateLimiter creations, ConnectionCounter webSockets, HttpConnectionLimiter httpConnections,
                     ClientAddress clientAddress, BadRequestLog badRequests, BufferBudget buffers,
                     IncomingBudget incoming, LookupMisses lookupMisses) {}
