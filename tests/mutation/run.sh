#!/usr/bin/env bash
# The mutation check of the safety modules (docs/mutation.md): mutmut, run from the repo root.
#
#   .venv/bin/pip install -e '.[test,mutation]'
#   bash tests/mutation/run.sh            # every function listed below
#   bash tests/mutation/run.sh kg.terms   # one module's functions
#   bash tests/mutation/run.sh kg.remote.http kg.querying.querytext.x_where_group   # several
#
# mutmut copies kg/ into mutants/ and runs, per mutant, only the in-process tests that call
# the mutated function (the selection is [tool.mutmut] in pyproject.toml). It prints each
# module's counts and every surviving mutant's diff; docs/mutation.md explains each survivor.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON="${PYTHON:-.venv/bin/python}"
"$PYTHON" -c "import mutmut" 2>/dev/null || {
  echo "mutmut is missing: $PYTHON -m pip install -e '.[mutation]'" >&2
  exit 2
}
# The functions that guard safety: escaping, parameter binding, anchor checks, HTML
# escaping, query limits, the VALUES block, and the request limits (deadline, byte cap,
# redirect check, redaction), and the atomic writes (target checks, modes and owners, the
# export marker, --force, temp files removed on failure or a signal).
FUNCTIONS=(
  kg.terms.x_escape kg.terms.x_nt_term
  kg.querying.params.x_bind_terms kg.querying.params.x_to_term kg.querying.params.x__as_term kg.querying.params.x__check_term
  kg.querying.params.x__iri kg.querying.params.x__check_lexical kg.querying.params.x__parses kg.querying.params.x_canonical_integer
  kg.checks.evidence.x_normalise "kg.checks.evidence.xǁArticleǁparse" "kg.checks.evidence.xǁArticleǁparagraph"
  "kg.checks.evidence.xǁAnchorProblemǁ__str__" kg.checks.evidence.x_section_headings
  kg.checks.evidence.x_evidence_records kg.checks.evidence.x_load_article kg.checks.evidence.x_check_anchors
  kg.checks.evidence.x__rows
  kg.views.view.x__json_for_script kg.views.view.x__fill "kg.views.view.xǁViewǁ_repr_html_"
  kg.querying.querytext.x_check_limits kg.querying.querytext.x_with_values kg.querying.querytext.x_remote_text
  kg.querying.querytext.x_where_group kg.querying.querytext.x__long_construct kg.querying.querytext.x__after_group
  kg.querying.querytext.x_form_index kg.querying.querytext.x_sparql_term kg.querying.querytext.x__modifiers_start
  kg.querying.querytext.x_precheck kg.querying.querytext.x_calls_service
  kg.remote.http.x_redact kg.remote.http.x_without_credentials kg.remote.http.x_check_http_url kg.remote.http.x_origin
  kg.remote.http.x_max_response_bytes kg.remote.http.x_describe_size
  "kg.remote.http.xǁDeadlineǁ__init__" "kg.remote.http.xǁDeadlineǁremaining" "kg.remote.http.xǁDeadlineǁconnect"
  "kg.remote.http.xǁDeadlineǁ_expire" "kg.remote.http.xǁDeadlineǁextend" "kg.remote.http.xǁDeadlineǁcancel"
  "kg.remote.http.xǁ_SameHostRedirectHandlerǁhttp_error_302"
  "kg.remote.http.xǁSessionǁ_read_body" "kg.remote.http.xǁSessionǁ_too_large" "kg.remote.http.xǁSessionǁ_timeout"
  kg.atomic.x__reason kg.atomic.x__write_error kg.atomic.x__shown kg.atomic.x__kind
  kg.atomic.x__named kg.atomic.x__signals_deferred kg.atomic.x__lstat kg.atomic.x__followed
  kg.atomic.x__check_folder_exists kg.atomic.x_file_target kg.atomic.x__entries
  kg.atomic.x_foreign_entries kg.atomic.x_is_previous_export kg.atomic.x__inside_or_equal
  kg.atomic.x__list_briefly kg.atomic.x__refuse_a_folder_that_holds_us kg.atomic.x_folder_target
  kg.atomic.x__umask_mode kg.atomic.x__temp_prefix kg.atomic.x__keep_owner kg.atomic.x__same_kind
  kg.atomic.x__remove_quietly kg.atomic.x__make_temp_file kg.atomic.x__make_temp_folder
  kg.atomic.x_atomic_open kg.atomic.x_write_all kg.atomic.x_atomic_write kg.atomic.x_write_stdout
  kg.atomic.x__discard_stdout kg.atomic.x__exchange kg.atomic.x__swap_folders
  kg.atomic.x_atomic_directory
)
names=()
for function in "${FUNCTIONS[@]}"; do
  for wanted in "${@:-$function}"; do  # a module (kg.remote.http) or one function
    if [[ "$function" == "$wanted" || "$function" == "$wanted".* ]]; then
      names+=("${function}__mutmut_*")
      break
    fi
  done
done
[ ${#names[@]} -gt 0 ] || { echo "no function matches: $*" >&2; exit 2; }
rm -rf mutants
mkdir -p mutants
log=mutants/mutmut-run.log  # mutmut's own output, kept for a look afterwards
status=0
"$PYTHON" -m mutmut run --max-children "${MUTMUT_CHILDREN:-2}" "${names[@]}" >"$log" 2>&1 || status=$?
# mutmut first runs the test selection unmutated (stats, then clean tests); if that fails it
# checks no mutant, and the summary would list every one as unchecked.
if [ "$status" -ne 0 ]; then
  tr '\r' '\n' <"$log" | grep -v '^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]' | tail -25 >&2
  echo "mutmut run failed (exit $status; its output is in $log): no mutant was checked" >&2
  exit 2
fi
"$PYTHON" tests/mutation/summary.py "${names[@]%__mutmut_*}"
