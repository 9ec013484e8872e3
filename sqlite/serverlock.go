package sqlite

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/enrollhq/enroll"
)

// serverLockSuffix names the file beside the database whose lock the one
// server of the database holds (Config.Server).
const serverLockSuffix = ".serve.lock"

// lockServer takes, without waiting, the lock of the one server of the
// database at path, held until the file returned is closed; the kernel
// drops it when the process ends, however it ends. Another server
// holding it is an ECONFLICT.
func lockServer(path string) (*os.File, error) {
	f, err := os.OpenFile(path+serverLockSuffix, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: server lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, enroll.Errorf(enroll.ECONFLICT,
				"Another enroll serve is using the database %s: on SQLite one server owns the database (run several replicas on PostgreSQL).", path)
		}
		return nil, fmt.Errorf("sqlite: server lock: %w", err)
	}
	return f, nil
}
