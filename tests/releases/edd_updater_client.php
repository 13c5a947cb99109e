<?php
// tests/releases/edd_updater_client.php — asks a store the way a WordPress site running EDD's
// updater (EDD_SL_Plugin_Updater 1.9) and EDD's sample licence screen do, with PHP's own form
// encoding and json_decode, and prints what the site would conclude as one JSON line.
//
//   php edd_updater_client.php STORE_URL ACTION LICENSE SITE_URL INSTALLED_VERSION BETA(0|1) [ITEM_ID]
//
// Written for the releases HTTP test; it reproduces the requests, it does not copy the updater.

[$script, $store, $action, $license, $site, $installed, $beta] = array_slice($argv, 0, 7);
$item_id = $argv[7] ?? '101';

// wp_remote_post() with an array body sends http_build_query(): false becomes "0", true "1".
function post_form(string $url, array $fields): array {
    $context = stream_context_create(['http' => [
        'method' => 'POST',
        'header' => "Content-Type: application/x-www-form-urlencoded\r\n",
        'content' => http_build_query($fields),
        'ignore_errors' => true,
        'timeout' => 15,
    ]]);
    $body = @file_get_contents($url, false, $context);
    $status = 0;
    foreach ($http_response_header ?? [] as $line)
        if (preg_match('#^HTTP/\S+ (\d{3})#', $line, $m)) $status = (int)$m[1];
    return [$status, $body === false ? '' : $body];
}

function get(string $url, array $headers = []): array {
    $context = stream_context_create(['http' => [
        'method' => 'GET', 'header' => implode("\r\n", $headers), 'ignore_errors' => true, 'timeout' => 15]]);
    $body = @file_get_contents($url, false, $context);
    $status = 0;
    $out = [];
    foreach ($http_response_header ?? [] as $line) {
        if (preg_match('#^HTTP/\S+ (\d{3})#', $line, $m)) $status = (int)$m[1];
        elseif (strpos($line, ':') !== false) {
            [$k, $v] = explode(':', $line, 2);
            $out[strtolower(trim($k))] = trim($v);
        }
    }
    return [$status, $body === false ? '' : $body, $out];
}

// The updater adds a trailing slash to the store URL.
$api_url = rtrim($store, '/') . '/';
$result = ['action' => $action];

if ($action === 'get_version') {
    $fields = [
        'edd_action' => 'get_version',
        'license' => $license,
        'item_name' => false,
        'item_id' => $item_id,
        'version' => $installed,
        'slug' => 'seo-pro',
        'author' => 'Vendor',
        'url' => $site,
        'beta' => $beta === '1',
        'php_version' => phpversion(),
        'wp_version' => '6.1.1',
    ];
    [$status, $body] = post_form($api_url, $fields);
    $result['status'] = $status;
    // What the updater keeps: nothing unless 200 and a decoded object with `sections`.
    $info = $status === 200 ? json_decode($body) : null;
    if (!is_object($info) || !isset($info->sections)) {
        $result['discarded'] = true;
        echo json_encode($result), "\n";
        exit(0);
    }
    $result['discarded'] = false;
    $result['decoded_as_object'] = is_object($info) && is_object($info->sections);
    foreach (['new_version', 'stable_version', 'name', 'slug', 'url', 'homepage', 'package', 'download_link',
              'last_updated', 'requires', 'tested', 'requires_php'] as $field) {
        // A missing url/icons/banners raises warnings in WordPress: record what is missing.
        if (!property_exists($info, $field)) $result['missing'][] = $field;
        else $result[$field] = $info->$field;
    }
    foreach (['banners', 'icons'] as $field) {
        if (!property_exists($info, $field)) $result['missing'][] = $field;
        // The updater passes them through maybe_unserialize(); WordPress then indexes them as arrays.
        else $result[$field . '_are_array'] = is_array(is_string($info->$field) ? @unserialize($info->$field) : $info->$field);
    }
    $sections = (array)$info->sections;
    $result['sections'] = array_keys($sections);
    $result['changelog'] = $sections['changelog'] ?? null;
    // WordPress shows an update when the installed version is lower; it installs only with a package.
    $result['update_shown'] = version_compare($installed, $info->new_version, '<');
    $result['installable'] = $result['update_shown'] && !empty($info->package);
    if (!empty($info->package)) {
        // The package is fetched with a plain GET.
        [$s, $zip, $headers] = get($info->package);
        $result['download_status'] = $s;
        $result['download_sha256'] = hash('sha256', $zip);
        $result['download_is_zip'] = substr($zip, 0, 4) === "PK\x03\x04";
        $result['etag'] = $headers['etag'] ?? null;
        $result['content_length'] = isset($headers['content-length']) ? (int)$headers['content-length'] : null;
        [$rs, $part, $rh] = get($info->package, ['Range: bytes=1-4']);
        $result['range_status'] = $rs;
        $result['range_ok'] = $part === substr($zip, 1, 4);
        $result['content_range'] = $rh['content-range'] ?? null;
        [$ts] = get(str_replace('signature=', 'signature=A', $info->package));
        $result['tampered_status'] = $ts;
    }
} else {
    // The sample licence screen: edd_action, license, item_name (or item_id), url.
    [$status, $body] = post_form($api_url, ['edd_action' => $action, 'license' => $license,
                                            'item_id' => $item_id, 'url' => $site]);
    $result['status'] = $status;
    $data = json_decode($body);
    $result['decoded_as_object'] = is_object($data);
    foreach (['success', 'license', 'error', 'item_id', 'item_name', 'license_limit', 'site_count',
              'activations_left', 'expires', 'customer_name', 'customer_email'] as $field)
        if (is_object($data) && property_exists($data, $field)) $result[$field] = $data->$field;
}
echo json_encode($result), "\n";
