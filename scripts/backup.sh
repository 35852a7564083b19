#!/usr/bin/env bash
# Back up the P2C Pledging Platform: the PostgreSQL database (pg_dump, custom format) and the public and
# private media folders (tar.gz), with SHA-256 sums, into one new folder BACKUP_ROOT/p2c-<UTC time>/.
#
#   DATABASE_URL=postgres://... scripts/backup.sh [BACKUP_ROOT]        (BACKUP_ROOT defaults to ./backups)
#
# Environment: DATABASE_URL (required), DJANGO_MEDIA_ROOT (default ./media), P2C_PRIVATE_MEDIA_ROOT
# (default ./private_media), P2C_BACKUP_KEEP (optional: keep only the newest N backups in BACKUP_ROOT).
# The dump is consistent (one snapshot of the database); files written while the tar runs may be missed, so
# run it when the site is quiet or accept that a file saved during the backup is in the next one.
# Restore with scripts/restore.sh. With S3-compatible storage the files are not on disk: rely on the bucket's
# versioning or replication for them; this script then backs up the database only.
set -euo pipefail

: "${DATABASE_URL:?set DATABASE_URL to the database to back up}"
backup_root=${1:-backups}
media_root=${DJANGO_MEDIA_ROOT:-media}
private_root=${P2C_PRIVATE_MEDIA_ROOT:-private_media}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
final="$backup_root/p2c-$stamp"
work="$backup_root/.p2c-$stamp.partial"

mkdir -p "$backup_root"
rm -rf "$work"
mkdir "$work"
trap 'rm -rf "$work"' ERR

pg_dump --format=custom --compress=6 --no-owner --no-privileges --file "$work/database.dump" "$DATABASE_URL"

archive() {  # archive FOLDER NAME: the folder's contents as NAME.tar.gz (empty archive if it does not exist)
  if [ -d "$1" ]; then
    tar -czf "$work/$2.tar.gz" -C "$1" .
  else
    tar -czf "$work/$2.tar.gz" --files-from /dev/null
  fi
}
archive "$media_root" media
archive "$private_root" private_media

(cd "$work" && sha256sum database.dump media.tar.gz private_media.tar.gz > SHA256SUMS)
mv "$work" "$final"
trap - ERR

if [ -n "${P2C_BACKUP_KEEP:-}" ]; then
  ls -1d "$backup_root"/p2c-*/ 2>/dev/null | sort | head -n "-$P2C_BACKUP_KEEP" | xargs -r rm -rf
fi
echo "$final"
