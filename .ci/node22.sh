# Source this file to put Node >= 22 first on PATH. When the machine's node is older, a
# Node 22 from the npm registry (the `node` package ships the binary) is installed once
# into ~/.cache/roster/node22 and reused.
_roster_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(_roster_node_major)" -lt 22 ]; then
  _roster_node_dir="${XDG_CACHE_HOME:-$HOME/.cache}/roster/node22"
  if [ ! -x "$_roster_node_dir/node_modules/.bin/node" ]; then
    echo "Node $(node --version 2>/dev/null || echo missing) is older than 22: installing node@22 from the npm registry into $_roster_node_dir"
    mkdir -p "$_roster_node_dir"
    (cd "$_roster_node_dir" && npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error node@22) || return 1 2>/dev/null || exit 1
  fi
  export PATH="$_roster_node_dir/node_modules/.bin:$PATH"
fi
echo "Using node $(node --version), npm $(npm --version)"
