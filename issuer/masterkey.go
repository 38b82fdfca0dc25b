package issuer

import (
	"context"

	"github.com/tohu-nz/tohu/errs"
)

// CheckMasterKey proves the configured master key is this database's, so
// `tohu serve` and `tohu provider create` refuse to start (Forbidden)
// instead of sealing keys no other replica can open, or failing at the
// first issuance.
//
// The database holds a check token sealed under its master key. The first
// start on a database without one stores this key's token; of replicas
// starting together on an empty database with different keys, the first
// insert wins and the others then fail to open the token. A database from
// before the token (providers but no token) adopts this key only if it
// opens every stored signing key. Later starts open the token and the
// newest signing key.
func (s *Service) CheckMasterKey(ctx context.Context) error {
	token, err := s.store.MasterKeyCheck(ctx)
	switch {
	case errs.Is(err, errs.NotFound):
		if err := s.openAllKeys(ctx); err != nil {
			return err
		}
		mine, err := s.cfg.MasterKey.SealCheck()
		if err != nil {
			return err
		}
		if token, err = s.store.InitMasterKeyCheck(ctx, mine); err != nil {
			return err
		}
	case err != nil:
		return err
	}
	if err := s.cfg.MasterKey.OpenCheck(token); err != nil {
		if errs.Is(err, errs.Forbidden) {
			return errs.Wrap(err, errs.Forbidden, "the database's check token does not open under this key")
		}
		return errs.Wrap(err, errs.ErrorCode(err), "the database's master key check token: %s", errs.ErrorMessage(err))
	}
	ks, err := s.store.Keys(ctx, "")
	if err != nil || len(ks) == 0 {
		return err
	}
	return s.openKey(ks[len(ks)-1])
}

// openAllKeys opens every stored signing key: before a key is adopted as
// the database's master key, it must be the one all of them were sealed
// under.
func (s *Service) openAllKeys(ctx context.Context) error {
	ks, err := s.store.Keys(ctx, "")
	if err != nil {
		return err
	}
	for _, k := range ks {
		if err := s.openKey(k); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) openKey(k Key) error {
	if _, err := s.cfg.MasterKey.Open(k.Sealed, []byte(k.ID)); err != nil {
		if errs.Is(err, errs.Forbidden) {
			return errs.Wrap(err, errs.Forbidden, "the stored signing keys do not open under this key")
		}
		return errs.Wrap(err, errs.ErrorCode(err), "stored signing key %s: %s", k.ID, errs.ErrorMessage(err))
	}
	return nil
}
