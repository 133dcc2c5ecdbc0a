from django.db import migrations

# The categories every street starts with: name, name in English, kind, matching keywords.
# A street's own categories get their English name in the admin.
CATEGORIES = [
    ("生活用品", "Daily necessities", "item", "电饭煲 电水壶 热水壶 风扇 电扇 米 面 油 被子 衣服 充电宝 台灯 锅"),
    ("学习用品", "School supplies", "item", "书包 文具 书 字典 台灯 学习机 课外书 笔"),
    ("助老助残", "Help for the elderly and disabled", "service", "轮椅 陪同 下楼 买菜 助浴 代购 陪诊 扶"),
    ("医疗健康", "Health care", "service", "医生 体检 上门 血压 血糖 抽血 测量 药 理疗 按摩"),
    ("维修服务", "Repairs", "service", "维修 修理 家电 水管 灯泡 电路 门锁 修"),
    ("理发美容", "Haircuts and beauty", "service", "理发 剪发 头发 美发"),
    ("文化娱乐", "Culture and leisure", "", "书法 读报 电影 唱歌 手工 课程 培训"),
    ("其他", "Other", "", ""),
]


def add_categories(apps, schema_editor):
    WishCategory = apps.get_model("wishes", "WishCategory")
    for order, (name, name_en, kind, keywords) in enumerate(CATEGORIES):
        WishCategory.objects.get_or_create(
            name=name, defaults={"name_en": name_en, "kind": kind, "keywords": keywords, "ordering": order}
        )


class Migration(migrations.Migration):
    dependencies = [("wishes", "0001_initial")]
    operations = [migrations.RunPython(add_categories, migrations.RunPython.noop)]
