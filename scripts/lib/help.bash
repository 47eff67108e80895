# What `--help` prints for the bash scripts under scripts/, sourced by each of them.
#
# A script's documentation is its leading comment block (the lines after the shebang, up to the
# first that is not a comment): what it does, its synopsis on lines starting "usage:", its
# options and the environment it falls back to. Kept there, beside the code it describes, and
# printed from there, so that --help and the file never disagree.

# Prints the help of the script at PATH (its leading comment block without the "# ") on
# standard output.
script_help() { sed -n '2,${/^#/!q;s/^# \{0,1\}//p}' "$1"; }

# When any of ARGS is --help or -h, prints the help of the script at PATH and exits 0: before the
# script looks for a cluster, a build, a database or root, none of which reading it needs.
help_if_asked() {
    local script=$1 argument
    shift
    for argument in "$@"; do
        case $argument in --help | -h) script_help "$script"; exit 0 ;; esac
    done
}

# What a usage error prints: the synopsis of the script at PATH (its help from the "usage:" line
# to the next blank one) and where the rest is, on standard error; then exits STATUS (2 unless given).
script_usage() {
    script_help "$1" | sed -n '/^usage:/,/^$/p' | sed '/^$/d' >&2
    echo "(--help says more)" >&2
    exit "${2:-2}"
}
