<?php
// tests/releases/wordpress/make_package.php — packs the probe plugin as WordPress expects an
// update package: a zip holding the plugin's folder, here with its version set.
//
//   php make_package.php PLUGIN_DIR VERSION OUT.zip
//
// The source says 1.0.0; every "1.0.0" of the main file (header and constant) becomes VERSION.
// Prints nothing on success.

[$script, $source, $version, $out] = $argv + array( '', '', '', '' );
if ( ! preg_match( '/^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$/', $version ) || ! is_dir( $source ) || '' === $out ) {
	fwrite( STDERR, "usage: php make_package.php PLUGIN_DIR VERSION OUT.zip\n" );
	exit( 2 );
}
$folder = basename( rtrim( $source, '/' ) );
$zip    = new ZipArchive();
if ( true !== $zip->open( $out, ZipArchive::CREATE | ZipArchive::OVERWRITE ) ) {
	fwrite( STDERR, "cannot write $out\n" );
	exit( 1 );
}
$zip->addEmptyDir( $folder );
foreach ( scandir( $source ) as $name ) {
	if ( '.' === $name[0] || ! is_file( "$source/$name" ) ) {
		continue;
	}
	$text = file_get_contents( "$source/$name" );
	if ( "$folder.php" === $name ) {
		$text = str_replace( '1.0.0', $version, $text );
	}
	$zip->addFromString( "$folder/$name", $text );
}
exit( $zip->close() ? 0 : 1 );
