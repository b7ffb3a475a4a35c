#!/usr/bin/env bash
# Grants (or verifies) the Microsoft Graph application permissions of ResetReady's managed
# identity with `az rest`: the fallback when the Bicep deployment cannot grant them
# (deployed with grantGraphPermissions=false, or the deployer is not a Graph admin).
# The permission list is infra/graph-permissions.json, the same file the Bicep loads.
#
# Usage:
#   infra/scripts/grant-graph-permissions.sh [--verify] [--mail-send] [PRINCIPAL_ID]
#     PRINCIPAL_ID  object id of the managed identity's service principal; default
#                   $RESETREADY_IDENTITY_PRINCIPAL_ID (an azd output: `azd env get-values`).
#     --verify      change nothing; list granted/missing, exit 1 when one is missing.
#     --mail-send   include the optional Mail.Send permission.
# Needs: az (signed in as Privileged Role Administrator, Cloud Application Administrator
# or Global Administrator), jq. GRAPH_URL overrides https://graph.microsoft.com.
set -euo pipefail

verify=false
mail=false
principal="${RESETREADY_IDENTITY_PRINCIPAL_ID:-}"
for arg in "$@"; do
  case "$arg" in
    --verify) verify=true ;;
    --mail-send) mail=true ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) echo "unknown option: $arg" >&2; exit 2 ;;
    *) principal="$arg" ;;
  esac
done
if [[ -z "$principal" ]]; then
  echo "give the managed identity's principal id (or set RESETREADY_IDENTITY_PRINCIPAL_ID)" >&2
  exit 2
fi
command -v jq >/dev/null || { echo "jq is required" >&2; exit 2; }

graph="${GRAPH_URL:-https://graph.microsoft.com}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
permissions_file="$here/../graph-permissions.json"
graph_app_id="$(jq -r '.resourceAppId' "$permissions_file")"

graph_sp_id="$(az rest --method GET \
  --url "$graph/v1.0/servicePrincipals(appId='$graph_app_id')?\$select=id" --query id -o tsv)"
granted="$(az rest --method GET \
  --url "$graph/v1.0/servicePrincipals/$principal/appRoleAssignments" \
  --query "value[?resourceId=='$graph_sp_id'].appRoleId" -o tsv)"

missing=0
while IFS=$'\t' read -r name id; do
  if grep -qix "$id" <<<"$granted"; then
    echo "granted  $name"
  elif [[ "$verify" == true ]]; then
    echo "MISSING  $name"
    missing=$((missing + 1))
  else
    az rest --method POST \
      --url "$graph/v1.0/servicePrincipals/$principal/appRoleAssignments" \
      --headers "Content-Type=application/json" \
      --body "{\"principalId\":\"$principal\",\"resourceId\":\"$graph_sp_id\",\"appRoleId\":\"$id\"}" >/dev/null
    echo "added    $name"
  fi
done < <(jq -r --argjson mail "$mail" \
  '.permissions[] | select((.optional | not) or ($mail and .name == "Mail.Send")) | [.name, .id] | @tsv' \
  "$permissions_file")

if [[ "$verify" == true && "$missing" -gt 0 ]]; then
  echo "$missing permission(s) missing: run without --verify as a Graph admin" >&2
  exit 1
fi
