// Package command is Samspill's write side: it turns a coordinator's or an
// administrator's commands into events.
//
// Each command is decoded strictly (unknown fields are errors), screened for
// national identity numbers in every string, validated against the model and
// against the in-memory state of its aggregate (unknown actor, relation to
// itself or to a removed actor, duplicates, invalid values, dates out of
// order), and, only if all of that holds, appended to the event log under
// the aggregate's version. A rejected command writes nothing and returns an
// *Error that names the field at fault.
//
// Personal data in a command (names, free text, document-local ids) is
// sealed with the map's key before it becomes an event.
//
// # Access
//
// Who gives a command is the principal of the request's context
// (access.FromContext): the transports put there the principal of the
// request's verified assertion. An access.Guard decides whether they may
// (the rules of package access: coordinators open maps and write, close
// and erase the maps assigned to them; administrators manage the directory
// and the assignments, grant_access and revoke_access, and never write a
// map) and writes the decision to the audit trail before the command is
// decided against its aggregate. A refusal is an *Error with code
// unauthenticated, forbidden or unavailable.
//
// # Concurrency
//
// A Service is safe for concurrent use. Commands to one aggregate are
// serialised in this process by a lock per aggregate, and across processes
// by the log's version check. A command that names its expectedVersion fails
// with a conflict when the aggregate has moved on; one that does not is
// decided again against the fresh state (at most ten times).
package command
