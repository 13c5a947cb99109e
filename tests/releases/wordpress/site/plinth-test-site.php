<?php
/**
 * Must-use plugin of the test site (the site's settings, not the vendor's plugin).
 *
 * WordPress downloads packages with wp_safe_remote_get(), which refuses a loopback host and any
 * port but 80, 443 and 8080 unless the site allows them. The test's store is on 127.0.0.1 and a
 * port the system picked, so the site allows exactly that origin. A real store is public on 443
 * and needs neither filter.
 *
 * It also records every request WordPress sends to the store (method, URL, form fields as
 * encoded on the wire) in wp-content/store-requests.log, so the test can check what the updater
 * sent.
 */

defined( 'ABSPATH' ) || exit;

function plinth_test_store_origin() {
	$store = wp_parse_url( PLINTH_PROBE_STORE_URL );
	return array( strtolower( $store['host'] ), isset( $store['port'] ) ? (int) $store['port'] : 80 );
}

add_filter(
	'http_request_host_is_external',
	function ( $external, $host ) {
		return $external || strtolower( $host ) === plinth_test_store_origin()[0];
	},
	10,
	2
);

add_filter(
	'http_allowed_safe_ports',
	function ( $ports, $host ) {
		list( $store_host, $store_port ) = plinth_test_store_origin();
		if ( strtolower( $host ) === $store_host ) {
			$ports[] = $store_port;
		}
		return $ports;
	},
	10,
	2
);

add_action(
	'http_api_debug',
	function ( $response, $context, $class, $args, $url ) {
		if ( 0 !== strpos( $url, rtrim( PLINTH_PROBE_STORE_URL, '/' ) ) ) {
			return;
		}
		$entry = array(
			'method' => isset( $args['method'] ) ? $args['method'] : '',
			'url'    => $url,
			'status' => is_wp_error( $response ) ? $response->get_error_code() : wp_remote_retrieve_response_code( $response ),
		);
		if ( isset( $args['body'] ) && is_array( $args['body'] ) ) {
			// As the transport encodes it (http_build_query: false is "0", true "1").
			parse_str( http_build_query( $args['body'] ), $entry['fields'] );
			$entry['field_order'] = array_keys( $args['body'] );
		}
		file_put_contents( WP_CONTENT_DIR . '/store-requests.log', wp_json_encode( $entry ) . "\n", FILE_APPEND | LOCK_EX );
	},
	10,
	5
);
