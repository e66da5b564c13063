"""URL map for AWS Backup: moto's own paths plus those of the operations we add.

The extended BackupBackend serves this map in place of moto's (its ``_url_module``,
``models.BackupkitBackend``).

Every path goes to the same ``dispatch``; moto then picks the operation from
botocore's service model (HTTP method + request URI), so the map only has to
let the requests in. ARN path parameters are URL-encoded by clients and may
contain ``/`` once decoded (``arn:aws:dynamodb:...:table/T/backup/ID``), hence ``.+``.
"""

from moto.backup.responses import BackupResponse
from moto.backup.urls import url_bases as moto_url_bases

url_bases = list(moto_url_bases)

_dispatch = BackupResponse.dispatch

url_paths = {
    # moto's own operations (plans, vaults, vault lock, tags, report plans)
    "{0}/audit/report-plans$": _dispatch,
    "{0}/audit/report-plans/(?P<reportPlanName>[^/]+)$": _dispatch,
    "{0}/backup/plans/?$": _dispatch,
    "{0}/backup/plans/(?P<backupPlanId>[^/]+)$": _dispatch,
    # GetBackupPlan is sent with a trailing slash (botocore's request URI)
    "{0}/backup/plans/(?P<backupPlanId>[^/]+)/$": _dispatch,
    "{0}/backup-vaults/$": _dispatch,
    "{0}/backup-vaults/(?P<backupVaultName>[^/]+)$": _dispatch,
    "{0}/backup-vaults/(?P<backupVaultName>[^/]+)/vault-lock$": _dispatch,
    "{0}/tags/(?P<resourceArn>.+)$": _dispatch,
    "{0}/untag/(?P<resourceArn>.+)$": _dispatch,
    # selections and plan versions
    "{0}/backup/plans/(?P<backupPlanId>[^/]+)/selections/$": _dispatch,
    "{0}/backup/plans/(?P<backupPlanId>[^/]+)/selections/(?P<selectionId>[^/]+)$": _dispatch,
    "{0}/backup/plans/(?P<backupPlanId>[^/]+)/versions/$": _dispatch,
    # vault access policy and notifications
    "{0}/backup-vaults/(?P<backupVaultName>[^/]+)/access-policy$": _dispatch,
    "{0}/backup-vaults/(?P<backupVaultName>[^/]+)/notification-configuration$": _dispatch,
    # recovery points
    "{0}/backup-vaults/(?P<backupVaultName>[^/]+)/recovery-points/$": _dispatch,
    "{0}/backup-vaults/(?P<backupVaultName>[^/]+)/recovery-points/(?P<recoveryPointArn>.+)$": _dispatch,
    "{0}/resources/$": _dispatch,
    "{0}/resources/(?P<resourceArn>.+)/restore-jobs/$": _dispatch,
    "{0}/resources/(?P<resourceArn>.+)$": _dispatch,
    # jobs
    "{0}/backup-jobs/?$": _dispatch,
    "{0}/backup-jobs/(?P<backupJobId>[^/]+)$": _dispatch,
    "{0}/restore-jobs/?$": _dispatch,
    "{0}/restore-jobs/(?P<restoreJobId>[^/]+)$": _dispatch,
    # region settings
    "{0}/account-settings$": _dispatch,
}
