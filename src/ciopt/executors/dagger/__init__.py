"""The Dagger executor: the client's code in containers, through a Dagger engine (dagger-io).

``connect`` opens an engine session, ``executor`` runs commands in containers, ``mapping`` maps a
command on this machine to one in a container that sees the same paths, ``portal`` calls the
async dagger-io from ciopt's synchronous code. Only ``ciopt.executors`` imports these, and only
when the executor is asked for: dagger-io takes a second to import.
"""
