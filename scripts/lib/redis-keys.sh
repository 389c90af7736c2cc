# Helpers for scripts that clean up or count keys on one Redis or on a Redis Cluster, given a
# Sluice Redis URL (redis://host:port/db or redis+cluster://host:port[,...]). Sourced, not run.
# Credentials in the URL are not used: these helpers are for the local stack.

# The masters holding keys, one "host port" line each: the server itself for redis://, every
# master the first node of a redis+cluster:// URL knows.
redis_masters() {
    local url="$1" rest node
    case "$url" in
        redis+cluster://*)
            rest="${url#redis+cluster://}"; rest="${rest##*@}"; node="${rest%%,*}"; node="${node%%/*}"
            redis-cli -h "${node%:*}" -p "${node##*:}" cluster nodes \
                | awk '$3 ~ /master/ && $3 !~ /fail/ { split($2, a, "@"); n = split(a[1], hp, ":"); print hp[1], hp[2] }'
            ;;
        *)
            rest="${url#redis://}"; rest="${rest##*@}"; node="${rest%%/*}"
            [[ "$node" == *:* ]] && echo "${node%:*} ${node##*:}" || echo "$node 6379"
            ;;
    esac
}

# How many keys match a pattern, over every master.
redis_count_keys() { # url pattern
    local host port total=0 count
    while read -r host port; do
        count="$(redis-cli -h "$host" -p "$port" --scan --pattern "$2" | wc -l)"
        total=$((total + count))
    done < <(redis_masters "$1")
    echo "$total"
}

# Deletes the keys matching a pattern, one UNLINK per key (a cluster refuses multi-key commands
# across slots).
redis_delete_keys() { # url pattern
    local host port
    while read -r host port; do
        redis-cli -h "$host" -p "$port" --scan --pattern "$2" | awk '{ print "UNLINK " $0 }' \
            | redis-cli -h "$host" -p "$port" >/dev/null
    done < <(redis_masters "$1")
}

# Whether a URL names a cluster.
redis_is_cluster() { [[ "$1" == redis+cluster://* ]]; }
