#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh: the database into DATABASE_URL and the files into the media
# folders. Checks the SHA-256 sums first; the database is restored in one transaction (all or nothing).
#
#   DATABASE_URL=postgres://.../p2c_restored scripts/restore.sh BACKUP_DIR [--clean]
#
# The target database must exist (createdb p2c_restored) and be empty, unless --clean is given: then the
# objects of the dump are dropped and recreated in it (stop web, worker and beat first). Files are extracted
# into DJANGO_MEDIA_ROOT (default ./media) and P2C_PRIVATE_MEDIA_ROOT (default ./private_media), replacing
# files of the same name. Then run `python manage.py migrate` if the code is newer than the backup.
set -euo pipefail

: "${DATABASE_URL:?set DATABASE_URL to the database to restore into}"
backup=${1:?usage: restore.sh BACKUP_DIR [--clean]}
clean=${2:-}
media_root=${DJANGO_MEDIA_ROOT:-media}
private_root=${P2C_PRIVATE_MEDIA_ROOT:-private_media}

(cd "$backup" && sha256sum --check --quiet SHA256SUMS)

tables=$(psql "$DATABASE_URL" -XtAc "select count(*) from pg_tables where schemaname = 'public'")
options=(--no-owner --no-privileges --exit-on-error --single-transaction)
if [ "$clean" = "--clean" ]; then
  options+=(--clean --if-exists)
elif [ "$tables" != "0" ]; then
  echo "restore.sh: the target database has $tables tables; restore into an empty database or pass --clean" >&2
  exit 2
fi
# Comments on extensions (pg_trgm, unaccent) belong to their owner: restoring them as the platform's database
# user would fail, and they carry nothing of ours.
contents=$(mktemp)
trap 'rm -f "$contents"' EXIT
pg_restore --list "$backup/database.dump" | grep -v "COMMENT - EXTENSION" > "$contents"
pg_restore "${options[@]}" --use-list "$contents" --dbname "$DATABASE_URL" "$backup/database.dump"

mkdir -p "$media_root" "$private_root"
tar -xzf "$backup/media.tar.gz" -C "$media_root"
tar -xzf "$backup/private_media.tar.gz" -C "$private_root"
echo "restored $backup into the database and $media_root, $private_root"
