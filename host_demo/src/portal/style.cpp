// The portal's one stylesheet: readable at phone width, visible focus, no web fonts, no images.
#include <string_view>

namespace plinth::portal {

extern const std::string_view kStylesheet;
const std::string_view kStylesheet = R"(*,*::before,*::after{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;background:#f6f7f9}
header,main,footer{max-width:52rem;margin:0 auto;padding:0 1rem}
header{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;border-bottom:1px solid #d0d5dc;background:#fff;max-width:none}
.brand{font-weight:700;margin:.6rem 0}
nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:.2rem 1rem;margin:.6rem 0;padding:0}
nav form{display:inline;margin:0}
a{color:#0b57d0}
a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #f2b600;outline-offset:2px}
.skip{position:absolute;left:-999px}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:1}
h1{font-size:1.6rem;margin:1.2rem 0 .8rem}
h2{font-size:1.2rem;margin:1.6rem 0 .6rem}
table{border-collapse:collapse;width:100%;background:#fff;margin:.5rem 0 1rem}
th,td{text-align:left;vertical-align:top;padding:.4rem .5rem;border-bottom:1px solid #e1e4e8;overflow-wrap:anywhere}
th{font-weight:600;background:#eef1f5}
form.card,section.card{background:#fff;border:1px solid #d0d5dc;border-radius:6px;padding:1rem;margin:0 0 1rem}
label{display:block;font-weight:600;margin:.6rem 0 .2rem}
input[type=text],input[type=email],input[type=password],input[type=url],input[type=number],input[type=file],select,textarea{width:100%;max-width:32rem;padding:.45rem;border:1px solid #8a939e;border-radius:4px;font:inherit;background:#fff}
textarea{min-height:7rem}
.checkbox label{display:inline}
.hint{color:#4b5563;font-size:.9rem;margin:.1rem 0}
button{font:inherit;padding:.45rem 1rem;border-radius:4px;border:1px solid #0b57d0;background:#0b57d0;color:#fff;cursor:pointer;margin-top:.8rem}
button.secondary{background:#fff;color:#0b57d0}
button.danger{background:#b3261e;border-color:#b3261e}
button.link{background:none;border:0;color:#0b57d0;text-decoration:underline;padding:0;margin:0}
td form{margin:0}td button{margin:0;padding:.3rem .6rem;white-space:nowrap}
.notice{background:#e6f4ea;border-left:4px solid #188038;padding:.6rem .8rem}
.error{background:#fce8e6;border-left:4px solid #b3261e;padding:.6rem .8rem}
.key{font-family:ui-monospace,monospace}
.pager{display:flex;gap:1rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;background:#fff;padding:.8rem;border:1px solid #e1e4e8}
dt{font-weight:600}
.register h3{font-size:1rem;margin:1rem 0 .3rem}.register dl{margin:0}dd{margin:0;overflow-wrap:anywhere}
.reply{background:#fff;border:1px solid #e1e4e8;border-radius:6px;padding:.6rem .8rem;margin:.5rem 0}
.reply.staff{border-left:4px solid #0b57d0}
.reply pre,.description{white-space:pre-wrap;font:inherit;margin:.3rem 0}
footer{color:#4b5563;font-size:.9rem;margin-top:2rem;padding-bottom:2rem}
@media (max-width:36rem){dl{grid-template-columns:1fr}th,td{padding:.35rem}header{display:block}}
)";

} // namespace plinth::portal
