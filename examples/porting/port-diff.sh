#!/bin/sh
# Prints port.diff, the code of before/ against after/: sh port-diff.sh > port.diff
# The .txt files are data, left out: after/ moved the last two sonnets of input.txt into val.txt.
cd "$(dirname "$0")" || exit 2
for f in $( (ls before after) | grep -E '\.(py|json)$' | sort -u); do
  diff -uN --label "before/$f" --label "after/$f" "before/$f" "after/$f"
  [ $? -le 1 ] || exit 2
done
exit 0
