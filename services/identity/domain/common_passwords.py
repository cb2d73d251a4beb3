"""Passwords too common to allow (lower-case), kept in code so every install has them.

A password is refused when it equals an entry, or when it is an entry followed only by
digits and punctuation ("password123!", "woaini1314"). Sources: the usual top-password
lists and the pinyin / numeric favourites reported in studies of Chinese leaks.
"""

COMMON_PASSWORDS: frozenset[str] = frozenset(
    """
123456 1234567 12345678 123456789 1234567890 12345678910 0123456789 987654321 9876543210
87654321 654321 111111 11111111 111111111 000000 00000000 666666 66666666 888888
88888888 999999 99999999 123123 123123123 112233 11223344 121212 12121212 123321
1234554321 147258 147258369 159357 159753 159951 258369 321321 369258 456123 456456
456789 520520 5201314 52013141314 1314520 13145200 7758521 7758258 584520 woaini
woaini1314 woaini520 woainima wodemima mima mimamima aini1314 zhangwei wangwei wangjing
liwei zhang wang huang asdf asdfasdf asdfgh asdfghjk asdfghjkl qwer qwerty qwertyui
qwertyuiop qwer1234 qweasd qweasdzxc qazwsx qazwsxedc 1qaz2wsx 1q2w3e4r 1q2w3e4r5t
zaq12wsx zxcvbn zxcvbnm zxcv1234 abc abc123 abcd abcd1234 abcdef abcdefg abcdefgh aaaaaa
aaaaaaaa a123456 a1234567 a12345678 a123456789 aa123456 aa12345678 qq123456 qq5201314
p@ssw0rd pass password passw0rd passwd pa55word admin administrator admin123 root toor
test test1234 guest welcome letmein iloveyou iloveu love lovely loveme monkey dragon
master sunshine shadow princess football baseball superman batman trustno1 whatever
freedom starwars computer michael jennifer jordan hunter killer soccer hello hello123
hellokitty charlie donald flower china zhongguo beijing shanghai hangzhou zhejiang
changeme secret default internet qwerasdf 1qazxsw2 xiaoming xiaohong tiantian baobao
woshishui wobuzhidao buzhidao nihao nihaoma caonima goodluck google baidu taobao alipay
weixin wechat tencent
    """.split()
)
