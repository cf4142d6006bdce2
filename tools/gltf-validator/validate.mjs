// Validates glTF/GLB files with the official Khronos glTF validator; prints a line per file and
// exits non-zero if any file has an error. Usage: node validate.mjs FILE_OR_DIR...
import fs from "node:fs";
import path from "node:path";
import validator from "gltf-validator";

function collect(p, out) {
  const st = fs.statSync(p);
  if (st.isDirectory()) {
    for (const name of fs.readdirSync(p).sort()) collect(path.join(p, name), out);
  } else if (/\.(glb|gltf)$/i.test(p)) {
    out.push(p);
  }
  return out;
}

const files = process.argv.slice(2).flatMap((p) => collect(p, []));
if (files.length === 0) {
  console.error("no .glb or .gltf files given");
  process.exit(2);
}
let failed = 0;
for (const file of files) {
  const report = await validator.validateBytes(new Uint8Array(fs.readFileSync(file)), {
    uri: path.basename(file),
    maxIssues: 20,
    externalResourceFunction: (uri) =>
      fs.promises.readFile(path.resolve(path.dirname(file), decodeURIComponent(uri))).then((b) => new Uint8Array(b)),
  });
  const i = report.issues;
  console.log(`${i.numErrors === 0 ? "ok  " : "FAIL"} ${file}: ${i.numErrors} errors, ${i.numWarnings} warnings, ${i.numInfos} infos`);
  for (const m of i.messages.filter((m) => m.severity <= 1)) {
    console.log(`     ${m.severity === 0 ? "error" : "warning"} ${m.code} at ${m.pointer ?? ""}: ${m.message}`);
  }
  if (i.numErrors > 0) failed++;
}
console.log(`${files.length - failed} of ${files.length} files have no errors`);
process.exit(failed === 0 ? 0 : 1);
