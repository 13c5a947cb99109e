<?php
// auto_prepend_file of the test site's `php -S`: WordPress's files are Debian's, reached through
// links, and would find Debian's wp-config.php next to their real path; ABSPATH set here makes
// every page load the site folder's own wp-config.php (the document root) instead.
define( 'ABSPATH', rtrim( $_SERVER['DOCUMENT_ROOT'], '/' ) . '/' );
