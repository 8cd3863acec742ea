// Prints, as one JSON line, the packages loaded so far (everything a --require'd preload
// brought in before this first line of the "app").
const names = new Set();
for (const file of Object.keys(require.cache)) {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
  if (match) names.add(match[1]);
}
process.stdout.write(JSON.stringify([...names]) + '\n');
