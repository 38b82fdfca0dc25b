package pages

import (
	"fmt"
	"html"
	"html/template"
)

// text is one UI string in both languages. gloss marks a te reo Māori label
// that pages show with its English alongside ("Whiwhinga (Credits)"), for
// labels an English-speaking reader might otherwise not follow.
//
// The te reo Māori strings were written plainly for this catalogue and want
// a review by a fluent speaker before a public launch (see NOTES-pages.md).
type text struct {
	en, mi string
	gloss  bool
}

// catalogue holds every UI string. Keys are grouped by page; values with
// verbs (%s, %d) are formatted with fmt. TestCatalogueComplete fails when a
// language is missing or the verbs differ between languages.
var catalogue = map[string]text{
	// Layout.
	"site.name":       {en: "tohu", mi: "tohu"},
	"site.tagline":    {en: "Micro-credentials for Aotearoa New Zealand", mi: "Ngā tohu mātauranga o Aotearoa"},
	"site.skip":       {en: "Skip to main content", mi: "Peke ki te ihirangi matua"},
	"site.home":       {en: "tohu home", mi: "Te kāinga o tohu"},
	"site.nav":        {en: "Main", mi: "Matua"},
	"site.langNav":    {en: "Language", mi: "Reo"},
	"site.switchTo":   {en: "Te reo Māori", mi: "English"},
	"site.footer":     {en: "tohu issues and checks digitally signed Open Badges 3.0 credentials for New Zealand micro-credentials.", mi: "Ka tuku, ka manatoko a tohu i ngā tohu Open Badges 3.0 kua waitohua ā-matihiko, mō ngā tohu mātauranga iti o Aotearoa."},
	"site.footerNZQA": {en: "NZQCF levels and credits are set by NZQA. One credit is about 10 hours of learning.", mi: "Nā NZQA ngā taumata me ngā whiwhinga NZQCF i whakarite. Kotahi te whiwhinga mō te 10 haora ako pea."},
	"nav.verify":      {en: "Check a credential", mi: "Manatoko i tētahi tohu"},
	"page.title":      {en: "%s — tohu", mi: "%s — tohu"},

	// Labels shared by the pages.
	"label.level":       {en: "NZQCF level", mi: "Taumata NZQCF", gloss: true},
	"label.credits":     {en: "Credits", mi: "Whiwhinga", gloss: true},
	"label.outcomes":    {en: "Learning outcomes", mi: "Ngā hua ako", gloss: true},
	"label.issued":      {en: "Issued", mi: "I tukuna", gloss: true},
	"label.provider":    {en: "Provider", mi: "Kaiwhakarato", gloss: true},
	"label.learner":     {en: "Awarded to", mi: "I whakawhiwhia ki a", gloss: true},
	"label.validUntil":  {en: "Valid until", mi: "Ka mana tae noa ki", gloss: true},
	"label.reference":   {en: "NZQA reference", mi: "Tohutoro NZQA", gloss: true},
	"label.download":    {en: "Download", mi: "Tikiake", gloss: true},
	"label.verify":      {en: "Verify", mi: "Manatoko", gloss: true},
	"label.kind":        {en: "Micro-credential", mi: "Tohu mātauranga iti", gloss: true},
	"label.achievement": {en: "Achievement", mi: "Paetae", gloss: true},
	"credits.hours":     {en: "%s credits — about %s hours of learning", mi: "%s whiwhinga — tata ki te %s haora ako"},
	"credits.hoursOne":  {en: "1 credit — about 10 hours of learning", mi: "1 whiwhinga — tata ki te 10 haora ako"},
	"credits.count":     {en: "%s credits", mi: "%s whiwhinga"},
	"credits.countOne":  {en: "1 credit", mi: "1 whiwhinga"},
	"credits.about":     {en: "about %s hours of learning", mi: "tata ki te %s haora ako"},
	"credits.note":      {en: "One NZQCF credit is about 10 hours of learning, counting teaching, study and assessment. These are not US credit hours.", mi: "Kotahi te whiwhinga NZQCF mō te 10 haora ako pea, tae atu ki te whakaako, te ako me te aromatawai. Ehara ēnei i ngā haora whiwhinga o Amerika."},
	"level.value":       {en: "Level %s", mi: "Taumata %s"},

	// Credential page.
	"cred.kicker":        {en: "Micro-credential awarded", mi: "Tohu mātauranga iti kua whakawhiwhia"},
	"cred.badgeAlt":      {en: "Badge for %s", mi: "Te tohu mō %s"},
	"cred.about":         {en: "About this micro-credential", mi: "Mō tēnei tohu mātauranga iti"},
	"cred.outcomesIntro": {en: "A learner awarded this micro-credential is able to:", mi: "Ka taea e te ākonga kua whakawhiwhia ki tēnei tohu te:"},
	"cred.fullDesc":      {en: "Full description of this micro-credential", mi: "Te whakamārama katoa o tēnei tohu mātauranga iti"},
	"cred.providerPage":  {en: "About %s", mi: "Mō %s"},
	"cred.share":         {en: "Share and download", mi: "Tiritiri, tikiake hoki"},
	"cred.downloadJSON":  {en: "Credential (JSON)", mi: "Te tohu (JSON)"},
	"cred.downloadPNG":   {en: "Badge image (PNG)", mi: "Whakaahua tohu (PNG)"},
	"cred.downloadSVG":   {en: "Badge image (SVG)", mi: "Whakaahua tohu (SVG)"},
	"cred.downloadHint":  {en: "The badge images carry the signed credential inside them, so anyone can check them.", mi: "Kei roto i ngā whakaahua tohu te tohu kua waitohua, nō reira ka taea e te tangata te manatoko."},
	"cred.link":          {en: "Link to this credential", mi: "Te hono ki tēnei tohu"},
	"cred.linkHint":      {en: "Share this link with an employer. It always shows the current status.", mi: "Tiritiria tēnei hono ki tētahi kaituku mahi. Ka whakaatu tonu i te tūnga o nāianei."},
	"cred.copy":          {en: "Copy link", mi: "Tāruatia te hono"},
	"cred.copied":        {en: "Link copied", mi: "Kua tāruatia te hono"},
	"cred.qr":            {en: "QR code", mi: "Waehere QR"},
	"cred.qrAlt":         {en: "QR code that opens the link to this credential", mi: "He waehere QR e huakina ai te hono ki tēnei tohu"},
	"cred.linkedin":      {en: "Add to LinkedIn profile", mi: "Tāpiri ki tō kōtaha LinkedIn"},
	"cred.wallet":        {en: "Open in a wallet", mi: "Huakina ki tētahi pūkoro matihiko"},
	"cred.wallets":       {en: "Digital wallets", mi: "Ngā pūkoro matihiko"},
	"cred.walletHint":    {en: "Digital wallets that accept Open Badges 3.0 can import the credential file (JSON) above.", mi: "Ka taea e ngā pūkoro matihiko e whakaae ana ki a Open Badges 3.0 te kawemai i te kōnae tohu (JSON) i runga ake."},
	"cred.caution":       {en: "Do not rely on the details below. They are shown as the credential states them, but they could not be confirmed.", mi: "Kaua e whakawhirinaki ki ngā taipitopito i raro nei. Kei te whakaaturia kia rite ki tā te tohu e kī ana, engari kāore i taea te whakaū."},
	"cred.ogDesc":        {en: "%s, awarded to %s by %s.", mi: "%s, i whakawhiwhia ki a %s e %s."},

	// Verification results (the banner).
	"result.verified":             {en: "Verified", mi: "Kua manatokona", gloss: true},
	"result.revoked":              {en: "Revoked", mi: "Kua whakakorea", gloss: true},
	"result.suspended":            {en: "Suspended", mi: "Kua whakatārewatia", gloss: true},
	"result.expired":              {en: "Expired", mi: "Kua pau te wā", gloss: true},
	"result.not_yet_valid":        {en: "Not yet valid", mi: "Kāore anō kia whai mana", gloss: true},
	"result.not_verified":         {en: "Not verified", mi: "Kāore i manatokona", gloss: true},
	"result.could_not_check":      {en: "Could not check", mi: "Kāore i taea te tirotiro", gloss: true},
	"result.verified.desc":        {en: "This credential is genuine. It was issued by %s, has not been changed since, and has not been revoked or suspended.", mi: "He tohu pono tēnei. Nā %s i tuku, kāore anō kia whakarerekētia mai i taua wā, ā, kāore anō kia whakakorea, kia whakatārewatia rānei."},
	"result.revoked.desc":         {en: "%s has revoked this credential. It is no longer valid.", mi: "Kua whakakorea tēnei tohu e %s. Kua kore e whai mana."},
	"result.suspended.desc":       {en: "%s has suspended this credential for now. It is not valid while it is suspended.", mi: "Kua whakatārewatia tēnei tohu e %s mō tēnei wā. Kāore e whai mana i te wā e tārewa ana."},
	"result.expired.desc":         {en: "This credential was issued by %s, but the time it was valid for has ended.", mi: "Nā %s tēnei tohu i tuku, engari kua pau te wā i whai mana ai."},
	"result.not_yet_valid.desc":   {en: "This credential was issued by %s, but it does not become valid until a later date.", mi: "Nā %s tēnei tohu i tuku, engari ka whai mana ā tētahi rā kei tua."},
	"result.not_verified.desc":    {en: "We could not confirm this credential. It may have been changed, or it was not issued as it claims. The checks below give the reason.", mi: "Kāore i taea te whakaū i tēnei tohu. Kua whakarerekētia pea, kāore rānei i tukuna pēnei i tāna e kī ana. Kei ngā arowhai i raro nei te take."},
	"result.could_not_check.desc": {en: "Some checks could not be completed, for example because the provider could not be reached. This does not mean the credential is false. Try again later.", mi: "Kāore i oti ētahi arowhai, pērā i te kore e taea te whakapā atu ki te kaiwhakarato. Ehara i te mea he tohu teka. Me ngana anō ā muri ake."},
	"result.unknownIssuer":        {en: "the provider", mi: "te kaiwhakarato"},
	"result.checkedAt":            {en: "Checked %s", mi: "I tirohia %s"},
	"icon.ok":                     {en: "Tick", mi: "Tohu tika"},
	"icon.bad":                    {en: "Cross", mi: "Tohu hē"},
	"icon.warn":                   {en: "Warning", mi: "Whakatūpato"},
	"icon.info":                   {en: "Information", mi: "Pārongo"},

	// The checks list.
	"checks.summary":               {en: "Show the %d checks we ran", mi: "Whakaaturia ngā arowhai %d i mahia"},
	"status.passed":                {en: "Passed", mi: "I pahure", gloss: true},
	"status.failed":                {en: "Failed", mi: "I rahua", gloss: true},
	"status.could_not_check":       {en: "Could not check", mi: "Kāore i taea te tirotiro", gloss: true},
	"status.skipped":               {en: "Not run", mi: "Kāore i mahia", gloss: true},
	"checkname.format":             {en: "Format", mi: "Hōputu"},
	"checkname.contexts":           {en: "Vocabulary (JSON-LD contexts)", mi: "Ngā horopaki JSON-LD"},
	"checkname.terms":              {en: "Defined terms", mi: "Ngā kupu kua tautuhia"},
	"checkname.schema":             {en: "Open Badges 3.0 schema", mi: "Te hanganga Open Badges 3.0"},
	"checkname.required_fields":    {en: "Required details", mi: "Ngā taipitopito e hiahiatia ana"},
	"checkname.proof":              {en: "Digital signature", mi: "Waitohu matihiko"},
	"checkname.issuer_key":         {en: "Provider's signing key", mi: "Te kī waitohu o te kaiwhakarato"},
	"checkname.valid_from":         {en: "Start date", mi: "Te rā tīmata"},
	"checkname.valid_until":        {en: "End date", mi: "Te rā mutunga"},
	"checkname.status":             {en: "Revocation and suspension", mi: "Te whakakore me te whakatārewa"},
	"checkname.issuer_records":     {en: "Provider's records", mi: "Ngā pūkete o te kaiwhakarato"},
	"checkname.presentation_proof": {en: "Presentation signature", mi: "Te waitohu o te whakaaturanga"},
	"checkname.challenge":          {en: "Challenge", mi: "Te wero"},
	"checkname.credentials":        {en: "Credentials presented", mi: "Ngā tohu i whakaaturia"},

	// Verify page.
	"verify.title":           {en: "Check a credential", mi: "Manatoko i tētahi tohu"},
	"verify.intro":           {en: "Paste the link to a credential, or choose the file you were sent. We check who issued it, that it has not been changed, and that it is still valid.", mi: "Whakapirihia te hono ki tētahi tohu, kōwhiria rānei te kōnae i tukuna atu ki a koe. Ka tirohia e mātou nā wai i tuku, kāore anō kia whakarerekētia, ā, kei te whai mana tonu."},
	"verify.url":             {en: "Link to the credential", mi: "Te hono ki te tohu"},
	"verify.urlHint":         {en: "It starts with https://", mi: "Ka tīmata ki te https://"},
	"verify.or":              {en: "or", mi: "rānei"},
	"verify.file":            {en: "Credential file or badge image", mi: "Kōnae tohu, whakaahua tohu rānei"},
	"verify.fileHint":        {en: "A credential (JSON or JWT) or a badge image (PNG or SVG).", mi: "He tohu (JSON, JWT rānei), he whakaahua tohu rānei (PNG, SVG rānei)."},
	"verify.drop":            {en: "You can also drag the file here.", mi: "Ka taea hoki te tō mai i te kōnae ki konei."},
	"verify.submit":          {en: "Check credential", mi: "Manatokohia", gloss: true},
	"verify.result":          {en: "Result", mi: "Te hua", gloss: true},
	"verify.says":            {en: "What the credential says", mi: "Tā te tohu e kī ana"},
	"verify.issuedBy":        {en: "Issued by", mi: "I tukuna e", gloss: true},
	"verify.another":         {en: "Check another credential", mi: "Manatoko i tētahi atu tohu"},
	"verify.errorTitle":      {en: "There is a problem", mi: "He raru kei konei"},
	"verify.err.empty":       {en: "Paste a link or choose a file to check.", mi: "Whakapirihia he hono, kōwhiria rānei he kōnae hei manatoko."},
	"verify.err.invalid":     {en: "That is not a credential we can read. Check you chose the right file, or copy the whole link.", mi: "Ehara tērā i te tohu e taea ana e mātou te pānui. Tirohia kua tika te kōnae i kōwhiria, kua tāruatia rānei te hono katoa."},
	"verify.err.fetch":       {en: "We could not open that link. Check it is correct, or download the file and choose it here instead.", mi: "Kāore i taea te huaki i taua hono. Tirohia kei te tika, ka tikiake rānei i te kōnae ka kōwhiri ai i konei."},
	"verify.err.unsupported": {en: "That kind of file is not supported. Choose a JSON, JWT, PNG or SVG credential.", mi: "Kāore e tautokona taua momo kōnae. Kōwhiria he tohu JSON, JWT, PNG, SVG rānei."},
	"verify.err.tooLarge":    {en: "That file is too large to be a credential.", mi: "He rahi rawa taua kōnae hei tohu."},

	// Achievement page.
	"ach.aim":         {en: "Aim", mi: "Te whāinga", gloss: true},
	"ach.assessment":  {en: "Assessment", mi: "Aromatawai", gloss: true},
	"ach.field":       {en: "Field of study", mi: "Kaupapa ako", gloss: true},
	"ach.qa":          {en: "Quality assured by", mi: "Kaiwhakaū kounga", gloss: true},
	"ach.developer":   {en: "Developed by", mi: "I whakawhanakehia e", gloss: true},
	"ach.version":     {en: "Version", mi: "Putanga", gloss: true},
	"ach.focus":       {en: "Focus", mi: "Arotahi", gloss: true},
	"ach.listed":      {en: "Listed", mi: "I rārangitia", gloss: true},
	"ach.review":      {en: "Next review", mi: "Arotake e whai ake nei", gloss: true},
	"ach.deliveredBy": {en: "Who delivers it", mi: "Ko wai e whakarato ana", gloss: true},
	"ach.noProviders": {en: "No provider on tohu delivers this micro-credential at present.", mi: "Kāore he kaiwhakarato i runga i a tohu e whakarato ana i tēnei tohu mātauranga iti i tēnei wā."},
	"ach.details":     {en: "Key facts", mi: "Ngā meka matua"},

	// Provider page.
	"iss.kicker":       {en: "Education provider", mi: "Kaiwhakarato mātauranga"},
	"iss.website":      {en: "Website", mi: "Paetukutuku", gloss: true},
	"iss.email":        {en: "Email", mi: "Īmēra", gloss: true},
	"iss.nzqa":         {en: "NZQA provider number", mi: "Nama kaiwhakarato NZQA", gloss: true},
	"iss.did":          {en: "Decentralised identifier (DID)", mi: "Tautuhi matihiko (DID)", gloss: true},
	"iss.logoAlt":      {en: "%s logo", mi: "Te waitohu o %s"},
	"iss.achievements": {en: "Approved micro-credentials", mi: "Ngā tohu mātauranga iti kua whakaaetia"},
	"iss.none":         {en: "This provider has no approved micro-credentials listed yet.", mi: "Kāore anō kia rārangitia he tohu mātauranga iti kua whakaaetia mō tēnei kaiwhakarato."},
	"iss.summary":      {en: "Level %s · %s credits", mi: "Taumata %s · %s whiwhinga"},
	"iss.ref":          {en: "NZQA reference %s", mi: "Tohutoro NZQA %s"},

	// Error page.
	"error.notFound":     {en: "Page not found", mi: "Kāore i kitea te whārangi"},
	"error.notFoundBody": {en: "Check the link is complete. If you were sent a credential link, ask the sender to send it again.", mi: "Tirohia kei te oti katoa te hono. Mēnā i tukuna atu he hono tohu ki a koe, tonoa kia tukuna anōtia."},
	"error.generic":      {en: "Something went wrong", mi: "I hē tētahi mea"},
	"error.genericBody":  {en: "Please try again in a few minutes.", mi: "Me ngana anō ā ngā meneti torutoru."},
	"error.home":         {en: "Go to the home page", mi: "Haere ki te kāinga"},
}

// T returns the catalogue text for key in l, formatted with args. An unknown
// key returns the key itself so a mistake is visible on the page (and
// TestTemplatesUseKnownKeys catches it first).
func T(l Lang, key string, args ...any) string {
	e, ok := catalogue[key]
	if !ok {
		return key
	}
	s := e.en
	if l == Mi {
		s = e.mi
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Label is T as HTML for a label: a te reo Māori label marked gloss gets its
// English alongside, in a span with lang="en-NZ".
func Label(l Lang, key string) template.HTML {
	e, ok := catalogue[key]
	if !ok {
		return template.HTML(html.EscapeString(key))
	}
	if l != Mi {
		return template.HTML(html.EscapeString(e.en))
	}
	out := html.EscapeString(e.mi)
	if e.gloss && e.en != e.mi {
		out += ` <span class="gloss" lang="en-NZ">(` + html.EscapeString(e.en) + `)</span>`
	}
	return template.HTML(out)
}
