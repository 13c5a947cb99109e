<?php
// The test site's configuration, copied into each test's site folder next to the site.json the
// test writes. WordPress itself is Debian's, read-only under /usr/share/wordpress: the site
// folder links to it and holds only this file, wp-content and the debug log, so nothing outside
// the test's own folder (no /etc/wordpress file) is written.
$plinth_site = json_decode( file_get_contents( __DIR__ . '/site.json' ), true );

define( 'DB_NAME', $plinth_site['db_name'] );
define( 'DB_USER', 'root' ); // the sandbox's; it listens on a socket only its owner can reach
define( 'DB_PASSWORD', '' );
define( 'DB_HOST', 'localhost:' . $plinth_site['db_socket'] );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );
$table_prefix = 'wp_';
foreach ( array( 'AUTH', 'SECURE_AUTH', 'LOGGED_IN', 'NONCE' ) as $plinth_name ) {
	define( $plinth_name . '_KEY', $plinth_site['secret'] . $plinth_name . 'key' );
	define( $plinth_name . '_SALT', $plinth_site['secret'] . $plinth_name . 'salt' );
}

define( 'WP_HOME', $plinth_site['home'] );
define( 'WP_SITEURL', $plinth_site['home'] );
define( 'WP_CONTENT_DIR', __DIR__ . '/wp-content' );
define( 'WP_CONTENT_URL', $plinth_site['home'] . '/wp-content' );

// Nothing leaves the machine: WordPress.org's update and version checks fail at once; requests
// to the site's own host (the loopback Plinth store) are allowed.
define( 'WP_HTTP_BLOCK_EXTERNAL', true );
define( 'DISABLE_WP_CRON', true );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
define( 'WP_AUTO_UPDATE_CORE', false );
define( 'FS_METHOD', 'direct' ); // the upgrader writes wp-content without asking for FTP details

// PHP warnings and notices go to a log the test reads; pages and command output stay clean.
define( 'WP_DEBUG', true );
define( 'WP_DEBUG_DISPLAY', false );
define( 'WP_DEBUG_LOG', __DIR__ . '/debug.log' );

// The test plugin's store (a real plugin hard-codes it).
define( 'PLINTH_PROBE_STORE_URL', $plinth_site['store'] );

if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}
require_once ABSPATH . 'wp-settings.php';
