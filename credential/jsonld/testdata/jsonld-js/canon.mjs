import {createRequire} from 'module';
const require = createRequire('/root/.cache/tohu-xverify/node_modules/');
const jsonld = require('jsonld');
const fs = require('fs');
const map = {
 'https://www.w3.org/ns/credentials/v2':'credentials-v2.jsonld',
 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json':'ob-v3p0-context-3.0.3.validator-2026.json',
 'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json':'ob-v3p0-extensions.json',
 'https://www.w3.org/2018/credentials/v1':'credentials-2018-v1.jsonld',
 'https://purl.imsglobal.org/spec/ob/v3p0/context.json':'ob-v3p0-context-3.0.0.json',
 'https://w3id.org/security/data-integrity/v2':'data-integrity-v2.jsonld',
 'https://www.w3.org/ns/credentials/examples/v2':'credentials-examples-v2.jsonld',
 'https://w3id.org/security/suites/ed25519-2020/v1':'ed25519-2020-v1.jsonld',
};
const loader = async (url) => {
  if (!map[url]) throw new Error('no '+url);
  return {contextUrl:null, documentUrl:url, document: JSON.parse(fs.readFileSync('/work/main/contexts/files/'+map[url],'utf8'))};
};
for (const f of process.argv.slice(2)) {
  const doc = JSON.parse(fs.readFileSync(f,'utf8'));
  // rdfDirection 'i18n-datatype': what @digitalbazaar/eddsa-rdfc-2022-cryptosuite
  // (lib/canonize.js) and jsonld-signatures >= 11.5 pass, so @direction is signed;
  // it changes nothing for documents without @direction. TOHU_RDF_DIRECTION=unset
  // gives jsonld.js's default (direction dropped; safe mode then refuses @direction).
  const opts = {algorithm:'RDFC-1.0', format:'application/n-quads', documentLoader: loader, safe: process.env.TOHU_JSONLD_SAFE !== '0'};
  if (process.env.TOHU_RDF_DIRECTION !== 'unset') opts.rdfDirection = 'i18n-datatype';
  const out = await jsonld.canonize(doc, opts).catch(e=>'ERR '+e.message);
  fs.writeFileSync(f+'.js.nq', out);
}
