package pages

// checkText has one plain sentence per verifier check code, in both
// languages. The verifier's own Message stays available on the page as the
// technical detail (it names the missing field, the unknown context, the
// date), so these sentences say what the finding means for a person.
// TestCheckCodesTranslated reads the verifier's source and fails when a code
// it can emit is missing here.
var checkText = map[string]text{
	"format.ok":             {en: "We could read the credential.", mi: "I taea te pānui i te tohu."},
	"format.too_large":      {en: "The file is too large to be a credential.", mi: "He rahi rawa te kōnae hei tohu."},
	"format.empty":          {en: "Nothing was given to check.", mi: "Kāore he mea i tukuna hei manatoko."},
	"format.unrecognised":   {en: "This is not a format of credential we recognise.", mi: "Ehara tēnei i te hōputu tohu e mōhiotia ana e mātou."},
	"format.bad_json":       {en: "The credential file is damaged: it is not valid JSON.", mi: "Kua pakaru te kōnae tohu: ehara i te JSON tika."},
	"format.not_object":     {en: "The file does not hold a credential.", mi: "Kāore he tohu i roto i te kōnae."},
	"format.bad_jwt":        {en: "The signed token (JWT) is damaged and cannot be read.", mi: "Kua pakaru te tohu waitohu (JWT), ā, kāore e taea te pānui."},
	"format.bad_envelope":   {en: "The credential's envelope is damaged and cannot be read.", mi: "Kua pakaru te kōpaki o te tohu, ā, kāore e taea te pānui."},
	"format.not_credential": {en: "The file holds data, but not a verifiable credential.", mi: "He raraunga kei roto i te kōnae, engari ehara i te tohu ka taea te manatoko."},
	"format.too_deep":       {en: "The credential is nested too deeply to check safely.", mi: "He hōhonu rawa te whakaraupapa o te tohu kia haumaru ai te manatoko."},

	"contexts.ok":         {en: "The credential uses the standard vocabularies.", mi: "Ka whakamahi te tohu i ngā kupu paerewa."},
	"contexts.missing":    {en: "The credential does not say which vocabulary it uses.", mi: "Kāore te tohu e kī ana he aha ngā kupu e whakamahia ana."},
	"contexts.wrong_base": {en: "The credential does not start with the W3C credentials vocabulary.", mi: "Kāore te tohu e tīmata ana ki ngā kupu tohu a W3C."},
	"contexts.unknown":    {en: "The credential uses a vocabulary we do not trust.", mi: "Ka whakamahi te tohu i ētahi kupu kāore mātou e whakawhirinaki ana."},
	"contexts.inline":     {en: "The credential defines its own vocabulary inline, which we do not accept.", mi: "Ka tautuhi te tohu i āna ake kupu i roto i a ia, ā, kāore mātou e whakaae ki tērā."},

	"terms.ok":          {en: "Every term in the credential is defined.", mi: "Kua tautuhia ngā kupu katoa o te tohu."},
	"terms.undefined":   {en: "The credential uses a term that no vocabulary defines, so part of it would be ignored.", mi: "He kupu kei te tohu kāore i tautuhia, nō reira ka warewaretia tētahi wāhanga."},
	"terms.not_run":     {en: "The terms were not checked because the vocabulary check failed.", mi: "Kāore i tirohia ngā kupu nā te mea i rahua te arowhai kupu."},
	"terms.unsupported": {en: "The credential uses a vocabulary feature we cannot check.", mi: "Ka whakamahi te tohu i tētahi āhuatanga kupu kāore e taea e mātou te tirotiro."},

	"schema.ok":                  {en: "The credential has the shape Open Badges 3.0 requires.", mi: "Kei te tika te hanganga o te tohu mō Open Badges 3.0."},
	"schema.invalid":             {en: "The credential does not have the shape Open Badges 3.0 requires.", mi: "Kāore i te tika te hanganga o te tohu mō Open Badges 3.0."},
	"schema.not_open_badge":      {en: "This is a credential, but not an Open Badge.", mi: "He tohu tēnei, engari ehara i te Open Badge."},
	"schema.vc11":                {en: "This is an older (VC 1.1) credential; its shape was checked against the older rules.", mi: "He tohu tawhito tēnei (VC 1.1); i tirohia tōna hanganga ki ngā ture tawhito."},
	"schema.unavailable":         {en: "The shape of the credential could not be checked.", mi: "Kāore i taea te tirotiro i te hanganga o te tohu."},
	"schema.undeclared_mismatch": {en: "The credential does not match the schema it should follow.", mi: "Kāore te tohu e ōrite ana ki te hanganga e tika ana kia whāia."},

	"required_fields.ok":      {en: "All the required details are present.", mi: "Kei reira ngā taipitopito katoa e hiahiatia ana."},
	"required_fields.missing": {en: "Some required details are missing.", mi: "Kei te ngaro ētahi taipitopito e hiahiatia ana."},

	"proof.ok":              {en: "The digital signature is valid: the credential has not been changed since it was signed.", mi: "Kei te tika te waitohu matihiko: kāore anō te tohu kia whakarerekētia mai i tōna waitohutanga."},
	"proof.missing":         {en: "The credential is not signed.", mi: "Kāore te tohu i waitohua."},
	"proof.bad_signature":   {en: "The signature does not match: the credential was changed after signing, or signed with another key.", mi: "Kāore te waitohu e ōrite ana: i whakarerekētia te tohu i muri i te waitohutanga, i waitohua rānei ki tētahi atu kī."},
	"proof.malformed":       {en: "The signature is damaged and cannot be checked.", mi: "Kua pakaru te waitohu, ā, kāore e taea te tirotiro."},
	"proof.unsupported":     {en: "The credential is signed in a way we cannot check.", mi: "I waitohua te tohu mā tētahi ara kāore e taea e mātou te tirotiro."},
	"proof.key_not_found":   {en: "The key that signed the credential could not be found.", mi: "Kāore i kitea te kī nāna i waitohu te tohu."},
	"proof.key_unavailable": {en: "The provider's signing key could not be fetched right now.", mi: "Kāore i taea te tiki i te kī waitohu o te kaiwhakarato i tēnei wā."},
	"proof.wrong_purpose":   {en: "The signature was made for a different purpose.", mi: "I hangaia te waitohu mō tētahi atu take."},
	"proof.not_run":         {en: "The signature was not checked because an earlier check failed.", mi: "Kāore i tirohia te waitohu nā te mea i rahua tētahi arowhai o mua."},
	"proof.claims_mismatch": {en: "The signed token and the credential inside it disagree.", mi: "Kāore te tohu waitohu me te tohu kei roto e ōrite ana."},

	"issuer_key.ok":           {en: "The key belongs to the provider named as the issuer.", mi: "Nō te kaiwhakarato kua whakaingoatia hei kaituku te kī."},
	"issuer_key.mismatch":     {en: "The key does not belong to the provider named as the issuer.", mi: "Ehara te kī i te kaiwhakarato kua whakaingoatia hei kaituku."},
	"issuer_key.embedded_jwk": {en: "The credential carries its own key, so it cannot prove who issued it.", mi: "Kei te tohu anō tōna ake kī, nō reira kāore e taea te whakaatu nā wai i tuku."},
	"issuer_key.not_run":      {en: "The issuer's key was not checked because the signature check did not pass.", mi: "Kāore i tirohia te kī o te kaituku nā te mea kāore i pahure te arowhai waitohu."},

	"valid_from.ok":        {en: "The credential's start date has passed.", mi: "Kua pahemo te rā tīmata o te tohu."},
	"valid_from.in_future": {en: "The credential is not valid until a later date.", mi: "Kāore te tohu e whai mana kia tae rā anō ki tētahi rā kei tua."},
	"valid_from.absent":    {en: "The credential gives no start date.", mi: "Kāore he rā tīmata i te tohu."},
	"date.malformed":       {en: "A date in the credential cannot be read.", mi: "Kāore e taea te pānui i tētahi rā i te tohu."},

	"valid_until.ok":     {en: "The credential has not expired.", mi: "Kāore anō te tohu kia pau tōna wā."},
	"valid_until.passed": {en: "The credential has expired.", mi: "Kua pau te wā o te tohu."},
	"valid_until.absent": {en: "The credential does not expire.", mi: "Kāore he rā mutunga o te tohu."},

	"status.ok":                   {en: "The provider has not revoked or suspended the credential.", mi: "Kāore te kaiwhakarato i whakakore, i whakatārewa rānei i te tohu."},
	"status.none":                 {en: "The credential cannot be revoked, so there was no status to look up.", mi: "Kāore e taea te whakakore i te tohu, nō reira kāore he tūnga hei tirotiro."},
	"status.revoked":              {en: "The provider has revoked the credential.", mi: "Kua whakakorea te tohu e te kaiwhakarato."},
	"status.suspended":            {en: "The provider has suspended the credential.", mi: "Kua whakatārewatia te tohu e te kaiwhakarato."},
	"status.no_fetcher":           {en: "The status was not looked up, because this checker cannot go online.", mi: "Kāore i tirohia te tūnga, nā te mea kāore e taea e tēnei kaiwhakamātau te haere ā-ipurangi."},
	"status.unreachable":          {en: "The provider's status list could not be reached, so we do not know whether the credential was revoked.", mi: "Kāore i taea te toro i te rārangi tūnga o te kaiwhakarato, nō reira kāore mātou e mōhio mēnā kua whakakorea te tohu."},
	"status.unsupported_type":     {en: "The credential uses a kind of status list we cannot read.", mi: "Ka whakamahi te tohu i tētahi momo rārangi tūnga kāore e taea e mātou te pānui."},
	"status.bad_entry":            {en: "The credential's status entry is damaged.", mi: "Kua pakaru te tāurunga tūnga o te tohu."},
	"status.bad_list":             {en: "The provider's status list is damaged.", mi: "Kua pakaru te rārangi tūnga o te kaiwhakarato."},
	"status.list_not_verified":    {en: "The provider's status list is not correctly signed.", mi: "Kāore i tika te waitohu o te rārangi tūnga o te kaiwhakarato."},
	"status.list_wrong_issuer":    {en: "The status list was published by someone other than the provider.", mi: "Nā tētahi atu, ehara i te kaiwhakarato, te rārangi tūnga i whakaputa."},
	"status.list_wrong_purpose":   {en: "The status list is for a different purpose.", mi: "Mō tētahi atu take te rārangi tūnga."},
	"status.list_key_unavailable": {en: "The key that signed the status list could not be fetched.", mi: "Kāore i taea te tiki i te kī nāna i waitohu te rārangi tūnga."},
	"status.not_run":              {en: "The status was not looked up because the signature did not verify.", mi: "Kāore i tirohia te tūnga nā te mea kāore i manatokona te waitohu."},

	"issuer_records.ok":          {en: "The provider's own records show the credential is current.", mi: "E ai ki ngā pūkete o te kaiwhakarato, kei te whai mana tonu te tohu."},
	"issuer_records.suspended":   {en: "The provider's own records show the credential is suspended.", mi: "E ai ki ngā pūkete o te kaiwhakarato, kua whakatārewatia te tohu."},
	"issuer_records.revoked":     {en: "The provider's own records show the credential has been revoked.", mi: "E ai ki ngā pūkete o te kaiwhakarato, kua whakakorea te tohu."},
	"issuer_records.unavailable": {en: "The provider's records could not be read just now.", mi: "Kāore i taea te pānui i ngā pūkete o te kaiwhakarato i tēnei wā."},

	"presentation_proof.ok":       {en: "The presentation is signed by the person presenting it.", mi: "I waitohua te whakaaturanga e te tangata e whakaatu ana."},
	"presentation_proof.unsigned": {en: "The presentation is not signed; only the credentials in it were checked.", mi: "Kāore te whakaaturanga i waitohua; ko ngā tohu anake i roto i tirohia."},
	"presentation_proof.missing":  {en: "The presentation should be signed, but is not.", mi: "Me waitohu te whakaaturanga, engari kāore."},

	"challenge.ok":            {en: "The presentation answers the challenge it was asked.", mi: "Ka whakautu te whakaaturanga i te wero i tonoa."},
	"challenge.mismatch":      {en: "The presentation answers a different challenge, so it may be a replay.", mi: "Ka whakautu te whakaaturanga i tētahi atu wero, nō reira he tārua pea."},
	"challenge.not_requested": {en: "No challenge was asked, so replay was not checked.", mi: "Kāore he wero i tonoa, nō reira kāore i tirohia mēnā he tārua."},

	"credentials.none":     {en: "The presentation holds no credentials.", mi: "Kāore he tohu i te whakaaturanga."},
	"credentials.ok":       {en: "Each credential in the presentation was checked.", mi: "I tirohia ia tohu i te whakaaturanga."},
	"credentials.too_many": {en: "The presentation holds too many credentials to check.", mi: "He nui rawa ngā tohu i te whakaaturanga hei tirotiro."},

	"refresh.ok":               {en: "The provider offered a newer copy of the credential; it verified, and this result is about that copy.", mi: "I tukuna e te kaiwhakarato he kape hou ake o te tohu; i manatokona, ā, mō taua kape tēnei hua."},
	"refresh.no_fetcher":       {en: "The provider offers a newer copy, but this checker cannot go online, so the credential was checked as it is.", mi: "He kape hou ake tā te kaiwhakarato, engari kāore e taea e tēnei kaiwhakamātau te haere ā-ipurangi, nō reira i tirohia te tohu kia pērā tonu."},
	"refresh.not_run":          {en: "The newer copy was not fetched because the signature did not verify.", mi: "Kāore i tikina te kape hou ake nā te mea kāore i manatokona te waitohu."},
	"refresh.unsupported_type": {en: "The credential offers a newer copy in a way we cannot follow, so it was checked as it is.", mi: "He kape hou ake tā te tohu mā tētahi ara kāore e taea e mātou te whai, nō reira i tirohia kia pērā tonu."},
	"refresh.unreachable":      {en: "The newer copy could not be fetched, so the credential was checked as it is.", mi: "Kāore i taea te tiki i te kape hou ake, nō reira i tirohia te tohu kia pērā tonu."},
	"refresh.not_verified":     {en: "The newer copy the provider offers did not verify, so the credential was checked as it is.", mi: "Kāore i manatokona te kape hou ake a te kaiwhakarato, nō reira i tirohia te tohu kia pērā tonu."},
	"refresh.mismatch":         {en: "The newer copy is a different credential, so the credential was checked as it is.", mi: "He tohu kē te kape hou ake, nō reira i tirohia te tohu kia pērā tonu."},

	"recipient.ok":               {en: "The credential was issued to the person you named.", mi: "I tukuna te tohu ki te tangata i whakaingoatia e koe."},
	"recipient.mismatch":         {en: "The credential was not issued to the person you named.", mi: "Kāore te tohu i tukuna ki te tangata i whakaingoatia e koe."},
	"recipient.not_run":          {en: "Who the credential belongs to was not checked because the signature did not verify.", mi: "Kāore i tirohia nō wai te tohu nā te mea kāore i manatokona te waitohu."},
	"recipient.unsupported_hash": {en: "The credential hides its recipient in a way we cannot check.", mi: "Ka hunaia e te tohu tōna kaiwhiwhi mā tētahi ara kāore e taea e mātou te tirotiro."},

	"endorsements.ok":         {en: "Every endorsement of the credential verified.", mi: "I manatokona ngā tautoko katoa o te tohu."},
	"endorsements.failed":     {en: "An endorsement of the credential did not verify; the credential itself is not affected.", mi: "Kāore i manatokona tētahi tautoko o te tohu; kāore te tohu anō e pāngia."},
	"endorsements.incomplete": {en: "An endorsement of the credential could not be fully checked.", mi: "Kāore i taea te tirotiro katoa i tētahi tautoko o te tohu."},
	"endorsements.not_run":    {en: "The endorsements were not checked because the signature did not verify.", mi: "Kāore i tirohia ngā tautoko nā te mea kāore i manatokona te waitohu."},
	"endorsements.too_many":   {en: "The credential has more endorsements than we check; some were not checked.", mi: "He nui ake ngā tautoko o te tohu i tā mātou e tirotiro ai; kāore ētahi i tirohia."},
	"endorsements.too_deep":   {en: "Endorsements of endorsements this deep were not checked.", mi: "Kāore i tirohia ngā tautoko o ngā tautoko i tēnei hōhonu."},

	"endorsement_type.ok":    {en: "This is an endorsement.", mi: "He tautoko tēnei."},
	"endorsement_type.wrong": {en: "This is not an endorsement, though it was given as one.", mi: "Ehara tēnei i te tautoko, ahakoa i tukuna hei tautoko."},
}

// CheckSentence returns the plain sentence for a check code in l. A code
// with no translation falls back to the report's own English message.
func CheckSentence(l Lang, code, message string) string {
	e, ok := checkText[code]
	if !ok {
		return message
	}
	if l == Mi {
		return e.mi
	}
	return e.en
}
