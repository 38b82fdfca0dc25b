// sign.mjs wrote signed-jsonld-js.json, canon-document.nq and canon-proof.nq
// here with Digital Bazaar's stack (the modules of the xverify peer):
//   mkdir /tmp/dbsign && cd /tmp/dbsign
//   ln -s ~/.cache/tohu-xverify/node_modules node_modules
//   ln -s ~/.cache/tohu-xverify/lib lib
//   cp .../testdata/nz-macrons/sign.mjs .
//   node sign.mjs .../nz-macrons/unsigned.json 2025-03-04T10:30:15Z .../nz-macrons > .../nz-macrons/signed-jsonld-js.json
// It signs UNSIGNED with the W3C vc-di-eddsa key pair at a fixed created
// time and writes the canonical N-Quads of the document and of the proof
// configuration (RDFC-1.0, safe mode) to OUTDIR.
import fs from 'node:fs';
import * as vc from '@digitalbazaar/vc';
import jsonld from 'jsonld';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {OfflineLoader} from './lib/loader.mjs';

const [file, created, outDir] = process.argv.slice(2);
const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
const kp = await Ed25519Multikey.from({
  publicKeyMultibase: 'z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2',
  secretKeyMultibase: 'z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq',
});
const did = `did:key:${kp.publicKeyMultibase}`;
kp.id = `${did}#${kp.publicKeyMultibase}`;
kp.controller = did;
const loader = new OfflineLoader({contextsDir: '/work/shared/spec/contexts'}).documentLoader();
const suite = new DataIntegrityProof({signer: kp.signer(), cryptosuite: eddsaRdfc2022, date: created});
const signed = await vc.issue({credential: structuredClone(doc), suite, documentLoader: loader});
const opts = {algorithm: 'RDFC-1.0', format: 'application/n-quads', documentLoader: loader, safe: true, rdfDirection: 'i18n-datatype'};
fs.writeFileSync(outDir + '/canon-document.nq', await jsonld.canonize(doc, opts));
const cfg = {...signed.proof}; delete cfg.proofValue; cfg['@context'] = doc['@context'];
fs.writeFileSync(outDir + '/canon-proof.nq', await jsonld.canonize(cfg, opts));
process.stdout.write(JSON.stringify(signed, null, 2) + '\n');
