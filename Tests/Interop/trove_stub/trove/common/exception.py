"""The part of Trove's `trove.common.exception` that the guest's replies name.

Trove itself is not installed in the test venv (its dependencies are heavy); this module reproduces the class
names, the message templates and the constructor behaviour that oslo.messaging relies on when it re-raises a
remote failure (`klass(*args, **kwargs)`, then `str(exc)` = the failure's message), from Trove's documented
exception definitions (reference trove-db2.md section 2.6).
"""


class TroveError(Exception):
    message = "An unknown exception occurred"

    def __init__(self, message=None, **kwargs):
        if message is not None:
            self.message = message
        try:
            self._error_string = self.message % kwargs
        except Exception:
            self._error_string = self.message
        super().__init__(self._error_string)

    def __str__(self):
        return self._error_string


class GuestError(TroveError):
    message = "An error occurred communicating with the guest: %(original_message)s."


class DatastoreOperationNotSupported(TroveError):
    message = "The '%(operation)s' operation is not supported for the '%(datastore)s' datastore."


class NotFound(TroveError):
    message = "Resource %(uuid)s cannot be found."


class BadRequest(TroveError):
    message = "The server could not comply with the request since it is either malformed or otherwise incorrect."


class UnknownBackupType(TroveError):
    message = "Unknown Backup type: %(backup_type)s in namespace %(namespace)s"


class InsufficientSpaceForBackup(TroveError):
    message = ("The instance has only %(free)sG free while the estimated backup size is %(backup_size)sG.")


class ModuleTypeNotFound(NotFound):
    message = "Module type '%(module_type)s' was not found."
